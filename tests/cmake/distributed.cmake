# Tests for the distributed work; included from tests/CMakeLists.txt (keeps CMAKE_CURRENT_SOURCE_DIR = tests/).
mgc_add_test(test_distributed LABEL e2e SOURCES train/test_distributed.cpp)
add_dependencies(test_distributed mgc_cli)
