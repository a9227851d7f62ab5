// What a process has used so far, for the lines a batch command (a rebuild) and the benchmarks
// print: CPU time and peak resident memory.
#pragma once

namespace sightline::runtime {

enum class CpuOf {
  kThisProcess,    // Every thread of this process.
  kWaitedChildren  // Children (and theirs) that have ended and been waited for, as by std::system.
};

// User plus system CPU time, in seconds. Unlike the wall time, it does not follow what else
// shares the cores.
double CpuSeconds(CpuOf whose);

// This process's peak resident set (VmHWM), in MiB; 0 when /proc does not say.
long PeakRssMiB();

}  // namespace sightline::runtime
