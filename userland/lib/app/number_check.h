// Checks of the numbers given on the command line, with messages that say
// what is wrong with the text: not a number, not whole, not finite, or out
// of range. Each returns an empty string for a good value, as CLI11's
// validators do, and puts the value back into text in its plain decimal
// form: what reads the text after them (CLI11 takes 010 for octal 8 and
// refuses 08) reads the number they checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xperf {

// Decimal digits only, no sign, no exponent, within [min, max].
std::string check_whole_number(std::string &text, std::uint64_t min, std::uint64_t max);
// A finite decimal number (NaN and infinities refused) within [min, max].
std::string check_real_number(std::string &text, double min, double max);

} // namespace xperf
