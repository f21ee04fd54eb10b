// hhplus-load: see tools/loadgen/README.md. All logic lives in the hhplus_loadgen library.
#include "loadgen/cli.hpp"

int main(int argc, char** argv) { return hhplus::loadgen::Main(argc, argv); }
