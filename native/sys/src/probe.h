// Capability probe: what this process may do with sockets on this kernel.
#pragma once

#include <napi.h>

namespace lagoon {

// probeCapabilities(): { capNetAdmin, tcpRepair, tcpRepairError?, kernelRelease }
Napi::Value ProbeCapabilities(const Napi::CallbackInfo& info);

}  // namespace lagoon
