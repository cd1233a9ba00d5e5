# The Debian package `cohort` (`cmake --build build --target package` writes
# build/cohort_VERSION_ARCH.deb): the binary, its man page, /etc/cohort/{master,worker}.ini as
# conffiles, the systemd units and the docs (docs/package.md). The headers, the static library and
# the CMake package config that `cmake --install` puts in place for embedding are not in it: the
# package takes only the components `runtime` (the binary) and `debian` (below).
#
# The files below are for the package only: EXCLUDE_FROM_ALL keeps them out of a plain
# `cmake --install`, which must not write to /etc or /lib whatever its prefix.

set(COHORT_PACKAGE_MAINTAINER "cohort maintainers <maintainers@cohort.invalid>"
    CACHE STRING "Maintainer field of the Debian package, and of its changelog")
set(COHORT_PACKAGING_SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/packaging)
set(COHORT_PACKAGING_BINARY ${CMAKE_CURRENT_BINARY_DIR}/packaging)

# Debian policy: the man page and the changelog gzipped with -9n (no name, no time stamp), so the same
# sources make the same package. The changelog's date honours SOURCE_DATE_EPOCH.
string(TIMESTAMP COHORT_PACKAGE_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${COHORT_PACKAGING_SOURCE}/changelog.Debian.in
               ${COHORT_PACKAGING_BINARY}/changelog.Debian @ONLY)
add_custom_command(OUTPUT ${COHORT_PACKAGING_BINARY}/cohort.1.gz
                   COMMAND gzip -9nc ${CMAKE_CURRENT_BINARY_DIR}/cohort.1
                           > ${COHORT_PACKAGING_BINARY}/cohort.1.gz
                   DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/cohort.1 VERBATIM)
add_custom_command(OUTPUT ${COHORT_PACKAGING_BINARY}/changelog.Debian.gz
                   COMMAND gzip -9nc ${COHORT_PACKAGING_BINARY}/changelog.Debian
                           > ${COHORT_PACKAGING_BINARY}/changelog.Debian.gz
                   DEPENDS ${COHORT_PACKAGING_BINARY}/changelog.Debian VERBATIM)
add_custom_target(package_files ALL DEPENDS ${COHORT_PACKAGING_BINARY}/cohort.1.gz
                                            ${COHORT_PACKAGING_BINARY}/changelog.Debian.gz)

install(FILES ${COHORT_PACKAGING_BINARY}/cohort.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT debian EXCLUDE_FROM_ALL)
install(FILES ${COHORT_PACKAGING_SOURCE}/master.ini ${COHORT_PACKAGING_SOURCE}/worker.ini
        DESTINATION /etc/cohort COMPONENT debian EXCLUDE_FROM_ALL)
install(FILES ${COHORT_PACKAGING_SOURCE}/cohort-master.service
              ${COHORT_PACKAGING_SOURCE}/cohort-worker.service
        DESTINATION /lib/systemd/system COMPONENT debian EXCLUDE_FROM_ALL)
install(FILES ${COHORT_PACKAGING_SOURCE}/copyright ${CMAKE_CURRENT_SOURCE_DIR}/README.md
              ${COHORT_PACKAGING_BINARY}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT debian EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cohort)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the cohort authors")
set(CPACK_PACKAGE_CONTACT "${COHORT_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "coroutine-based master/worker runtime on CAF")
# The long description; CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A cohort master splits a big job into tasks, hands them in batches to worker
processes on this and other hosts, and merges every answer exactly once into
one result. This package holds the cohort binary, its man page, the systemd
units cohort-master and cohort-worker and their config files in /etc/cohort.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${COHORT_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# cohort_VERSION_ARCH.deb; CPack takes the architecture from `dpkg --print-architecture`.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends from the shared libraries the binary links (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
# CPack's DEB generator installs into its own tree under DESTDIR, so the absolute destinations
# above (/etc, /lib) land in the package, not on this machine.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${COHORT_PACKAGING_SOURCE}/conffiles ${COHORT_PACKAGING_SOURCE}/postinst
    ${COHORT_PACKAGING_SOURCE}/prerm ${COHORT_PACKAGING_SOURCE}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# One package of the two components; `man` (the plain cohort.1) and `dev` stay out.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime debian)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
include(CPack)
