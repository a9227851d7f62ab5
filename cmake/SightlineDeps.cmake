# Third-party libraries, all from Debian packages (see docs/adr/0002-library-choices.md and
# scripts/deps.sh). Each becomes an imported target that modules link PRIVATE where possible.
find_package(PkgConfig REQUIRED)
find_package(Protobuf REQUIRED)
find_package(Threads REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(prometheus-cpp REQUIRED COMPONENTS core)
find_package(GTest REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka>=2.0)
# Boost 1.81 for Beast/Asio (C++20 coroutines); header-only, so no components.
find_package(Boost 1.81 REQUIRED)
find_package(OpenSSL REQUIRED)
