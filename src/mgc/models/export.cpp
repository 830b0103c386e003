// TorchScript export; see export.h.
