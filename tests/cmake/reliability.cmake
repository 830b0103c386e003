# Tests for the reliability work; included from tests/CMakeLists.txt (keeps CMAKE_CURRENT_SOURCE_DIR = tests/).
mgc_add_test(test_reliability LABEL e2e SOURCES reliability/test_bad_inputs.cpp reliability/test_streaming.cpp
             reliability/test_corrupt_files.cpp)
add_dependencies(test_reliability mgc_cli)
mgc_add_test(test_server_load LABEL e2e SOURCES reliability/test_server_load.cpp)
target_link_libraries(test_server_load PRIVATE PkgConfig::HTTPLIB)
add_dependencies(test_server_load mgc_cli)
mgc_add_test(test_fuzz_regressions LABEL unit SOURCES reliability/test_fuzz_regressions.cpp)
