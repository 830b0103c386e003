// Distributed data-parallel training (c10d); see distributed.h.
