# Tests for the reliability work; included from tests/CMakeLists.txt (keeps CMAKE_CURRENT_SOURCE_DIR = tests/).
