# Tests for the export work; included from tests/CMakeLists.txt (keeps CMAKE_CURRENT_SOURCE_DIR = tests/).
mgc_add_test(test_export LABEL e2e SOURCES models/test_export.cpp)
add_dependencies(test_export mgc_cli)
