#include "mgc/core/version.h"

namespace mgc {

const char* version() { return MGC_VERSION; }

}  // namespace mgc
