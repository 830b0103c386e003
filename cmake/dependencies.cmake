# Every external dependency of mgc, found once. All come from Debian 12 packages (scripts/install-deps.sh);
# libtorch may instead come from PyPI's torch wheel (-DMGC_TORCH=pip, below) or an upstream build (CMAKE_PREFIX_PATH).
find_package(PkgConfig REQUIRED)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile>=1.1)
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3)  # double precision: the tempogram's autocorrelations
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(TAGLIB REQUIRED IMPORTED_TARGET taglib)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)  # Debian's is compiled: its Cflags carry the ABI defines
find_package(PNG REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(Threads REQUIRED)

# libtorch: MGC_TORCH=system (default) takes Debian's libtorch-dev 1.13 (or whatever CMAKE_PREFIX_PATH names);
# MGC_TORCH=pip takes the libtorch inside PyPI's torch wheel, installed by scripts/setup-torch-pip.sh into
# MGC_TORCH_PIP_DIR (a venv; default <repo>/.venv-torch).
set(MGC_TORCH "system" CACHE STRING "Which libtorch to build against: system (Debian's, or CMAKE_PREFIX_PATH) or pip")
set_property(CACHE MGC_TORCH PROPERTY STRINGS system pip)
set(MGC_TORCH_PIP_DIR "${PROJECT_SOURCE_DIR}/.venv-torch" CACHE PATH "Venv holding PyPI's torch wheel (MGC_TORCH=pip)")
if(MGC_TORCH STREQUAL "pip")
  file(GLOB _mgc_torch_pkg LIST_DIRECTORIES true "${MGC_TORCH_PIP_DIR}/lib/python3*/site-packages/torch")
  list(LENGTH _mgc_torch_pkg _mgc_n)
  if(NOT _mgc_n EQUAL 1 OR NOT EXISTS "${_mgc_torch_pkg}/share/cmake/Torch/TorchConfig.cmake")
    message(FATAL_ERROR "mgc: MGC_TORCH=pip needs PyPI's torch wheel in ${MGC_TORCH_PIP_DIR} "
                        "(run scripts/setup-torch-pip.sh, or set MGC_TORCH_PIP_DIR); found '${_mgc_torch_pkg}'")
  endif()
  set(MGC_TORCH_PREFIX "${_mgc_torch_pkg}")
  # The torch folder itself goes first in CMAKE_PREFIX_PATH (not torch.utils.cmake_prefix_path = <torch>/share/cmake):
  # then TorchConfig's find_library(c10 ...) finds <torch>/lib/libc10.so before Debian's libc10.so of libtorch 1.13.
  list(PREPEND CMAKE_PREFIX_PATH "${MGC_TORCH_PREFIX}")
  # The wheel's libraries need the CUDA runtime wheels beside it (nvidia/*/lib). At run time its RUNPATH finds them;
  # at link time ld must be told, or it resolves NCCL & co against the CUDA toolkit's older copies.
  get_filename_component(_mgc_site "${MGC_TORCH_PREFIX}" DIRECTORY)
  file(GLOB _mgc_nvidia_libs LIST_DIRECTORIES true "${_mgc_site}/nvidia/*/lib")
  foreach(_dir IN LISTS _mgc_nvidia_libs)
    if(IS_DIRECTORY "${_dir}")
      add_link_options("LINKER:-rpath-link,${_dir}")
    endif()
  endforeach()
  unset(Torch_DIR CACHE)
  find_package(Torch REQUIRED NO_DEFAULT_PATH PATHS "${MGC_TORCH_PREFIX}/share/cmake/Torch")
  # No library of another libtorch may mix in (Debian's libc10.so.1.13 beside the wheel's libtorch aborts at start).
  foreach(_lib IN LISTS TORCH_LIBRARIES C10_CUDA_LIBRARY ITEMS c10 c10_cuda torch torch_cpu torch_cuda)
    if(TARGET ${_lib})
      get_target_property(_loc ${_lib} IMPORTED_LOCATION_RELEASE)
      if(NOT _loc)
        get_target_property(_loc ${_lib} IMPORTED_LOCATION)
      endif()
    else()
      set(_loc "${_lib}")
    endif()
    if(_loc AND IS_ABSOLUTE "${_loc}" AND _loc MATCHES "libc10|libtorch" AND NOT _loc MATCHES "^${_mgc_site}/")
      message(FATAL_ERROR "mgc: MGC_TORCH=pip but CMake found '${_loc}' outside ${_mgc_site}")
    endif()
  endforeach()
  # The wheel's include folder carries its own fmt (12.x), which comes before /usr/include and so shadows Debian's
  # fmt 9 headers in every file (all of mgc's see libtorch's include folder). Use that fmt header-only, so that no
  # call goes to Debian's libfmt.so.9, whose symbols are fmt::v9::... .
  if(EXISTS "${MGC_TORCH_PREFIX}/include/fmt/format-inl.h")
    set_property(TARGET fmt::fmt APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
  endif()
elseif(MGC_TORCH STREQUAL "system")
  if(Torch_DIR MATCHES "/site-packages/torch/")  # left in the cache by an earlier MGC_TORCH=pip
    unset(Torch_DIR CACHE)
  endif()
  find_package(Torch REQUIRED)
else()
  message(FATAL_ERROR "mgc: MGC_TORCH must be 'system' or 'pip', not '${MGC_TORCH}'")
endif()
if(TARGET torch_cuda OR TARGET c10_cuda)
  set(MGC_TORCH_CUDA yes)
else()
  set(MGC_TORCH_CUDA no)
endif()
message(STATUS "mgc: libtorch ${Torch_VERSION} (cuda: ${MGC_TORCH_CUDA}) from ${Torch_DIR}")

if(MGC_WITH_FFMPEG)
  pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswresample)
endif()
