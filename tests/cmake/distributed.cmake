# Tests for the distributed work; included from tests/CMakeLists.txt (keeps CMAKE_CURRENT_SOURCE_DIR = tests/).
