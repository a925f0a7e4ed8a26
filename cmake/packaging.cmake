# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian packages with CPack (cd build && cpack -G DEB), split the Debian way by install
# component: libneuralstyle0 (runtime), libneuralstyle-dev (dev),
# gstreamer1.0-neuralstyle (gstreamer), neuralstyle-tools (tools). Dependencies on
# Debian's libraries come from dpkg-shlibdeps; between our packages, from the component
# dependencies below (with the exact version).
set(CPACK_PACKAGE_NAME neuralstyle)
set(CPACK_PACKAGE_VENDOR neuralstyle)
set(CPACK_PACKAGE_CONTACT "neuralstyle maintainers <neuralstyle@localhost>" CACHE STRING
  "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Gatys et al. neural style transfer for media pipelines")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/COPYING)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
if(NEURALSTYLE_BUILD_GSTREAMER)
  list(APPEND CPACK_COMPONENTS_ALL gstreamer)
endif()
if(NEURALSTYLE_BUILD_CLI)
  list(APPEND CPACK_COMPONENTS_ALL tools)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Our own libraries are found by dpkg-shlibdeps in the staging folders.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
  ${CMAKE_BINARY_DIR}/src ${CMAKE_BINARY_DIR}/plugin ${CMAKE_BINARY_DIR}/tools)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libneuralstyle${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "Gatys et al. neural style transfer on LibTorch and OpenCV (shared library)")
# A shlibs file, so that packages built against it depend on it in turn.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_GENERATE_SHLIBS ON)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libneuralstyle-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_DESCRIPTION
  "Gatys et al. neural style transfer: headers, CMake package and pkg-config file")
# Headers without dpkg-shlibdeps: say what building against them takes.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libtorch-dev, libopencv-dev")
set(CPACK_COMPONENT_DEV_DEPENDS runtime)

set(CPACK_DEBIAN_GSTREAMER_PACKAGE_NAME gstreamer1.0-neuralstyle)
set(CPACK_DEBIAN_GSTREAMER_PACKAGE_SECTION video)
set(CPACK_DEBIAN_GSTREAMER_DESCRIPTION
  "GStreamer element neuralstyle: neural style transfer of video frames")
set(CPACK_COMPONENT_GSTREAMER_DEPENDS runtime)

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME neuralstyle-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION video)
set(CPACK_DEBIAN_TOOLS_DESCRIPTION
  "neuralstyle command-line tool and gst-launch pipeline scripts")
# The pipeline scripts run gst-launch-1.0 with the element.
set(CPACK_DEBIAN_TOOLS_PACKAGE_RECOMMENDS "gstreamer1.0-neuralstyle, gstreamer1.0-tools")
# video.sh probes its input and runs --frames through GStreamer's Python bindings; the
# codecs of real files come from the plugin sets.
set(CPACK_DEBIAN_TOOLS_PACKAGE_DEPENDS "python3-gi, gir1.2-gst-plugins-base-1.0")
set(CPACK_DEBIAN_TOOLS_PACKAGE_SUGGESTS
  "gstreamer1.0-libav, gstreamer1.0-plugins-good, gstreamer1.0-plugins-ugly, gstreamer1.0-plugins-bad")
set(CPACK_COMPONENT_TOOLS_DEPENDS runtime)

include(CPack)
