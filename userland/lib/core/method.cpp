#include "core/method.h"

namespace xperf {

nlohmann::json Method::to_json() const
{
	return {
		{ "timer", timer },	 { "side", side },	     { "overhead_cycles", overhead_cycles },
		{ "net", net },		 { "warmup", warmup },	     { "cpu", cpu },
		{ "tsc_source", tsc_source },
	};
}

} // namespace xperf
