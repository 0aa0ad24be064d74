// record_templates.cpp — C++ for `ember record` tests: a class template in
// a namespace (demangled names such as shapes::Accumulator<double>::run),
// a function template, and a function forced inline into its caller (seen
// only with --inline, from DWARF).
// Usage: record_templates [SECONDS] (default 1). Built -O2 -g
// -fno-omit-frame-pointer.
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace shapes {

volatile double template_sink;

__attribute__((always_inline)) inline double inlined_square(double value)
{
    double result = 0;
    for (int i = 0; i < 8; i++)
        result += value * value + i;
    return result;
}

template <typename T> class Accumulator {
  public:
    __attribute__((noinline)) T run(int rounds)
    {
        T total = 0;
        for (int i = 0; i < rounds; i++)
            total += static_cast<T>(inlined_square(static_cast<double>(i)));
        template_sink = static_cast<double>(total);
        return total;
    }
};

template <typename T> __attribute__((noinline)) T accumulate_twice(int rounds)
{
    Accumulator<T> accumulator;
    return accumulator.run(rounds) + accumulator.run(rounds / 2);
}

} // namespace shapes

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    double total = 0;
    while (std::chrono::steady_clock::now() < end) {
        total += shapes::accumulate_twice<double>(200000);
        total += static_cast<double>(shapes::accumulate_twice<long>(200000));
    }
    std::printf("record_templates done %d\n", total > 0);
    return 0;
}
