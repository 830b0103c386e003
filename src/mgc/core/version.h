#pragma once
// mgc's version: CMake's project version ("0.9.0"), the one owner of the number that `mgc --version`, JSON outputs
// and the HTTP API report.
namespace mgc {

const char* version();

}  // namespace mgc
