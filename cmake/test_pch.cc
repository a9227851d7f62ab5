// The translation unit that builds the tests' precompiled header (cmake/SightlineModule.cmake).
