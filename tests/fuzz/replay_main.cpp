// Fuzz driver for compilers without libFuzzer: replays every corpus file, then
// a bounded number of seeded mutations of them (bit flips, byte edits,
// truncation, splices), so CI exercises each target on every run.
//
// usage: <target>_fuzz [--mutations N] [--seed S] DIR_OR_FILE...

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size);

namespace {

using bytes = std::vector<std::uint8_t>;

bytes read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  return bytes{std::istreambuf_iterator<char>{in}, {}};
}

void collect(const std::filesystem::path& path, std::vector<bytes>& corpus) {
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::directory_iterator{path})
      if (entry.is_regular_file())
        corpus.push_back(read_file(entry.path()));
  } else if (std::filesystem::is_regular_file(path)) {
    corpus.push_back(read_file(path));
  }
}

void run(const bytes& input) {
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

bytes mutate(const std::vector<bytes>& corpus, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : rng() % n; };
  bytes out = corpus[pick(corpus.size())];
  auto edits = 1 + pick(4);
  for (size_t i = 0; i < edits; ++i) {
    switch (pick(6)) {
      case 0: // flip a bit
        if (!out.empty())
          out[pick(out.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
        break;
      case 1: // overwrite a byte with an interesting value
        if (!out.empty()) {
          static constexpr std::uint8_t special[]
            = {0, 0x1e, '"', '\\', '{', '}', '[', ']', ',', ':', '+', 0xff};
          out[pick(out.size())] = special[pick(sizeof(special))];
        }
        break;
      case 2: // insert a random byte
        out.insert(out.begin() + static_cast<long>(pick(out.size() + 1)),
                   static_cast<std::uint8_t>(rng()));
        break;
      case 3: // delete a byte
        if (!out.empty())
          out.erase(out.begin() + static_cast<long>(pick(out.size())));
        break;
      case 4: // truncate
        out.resize(pick(out.size() + 1));
        break;
      default: { // splice in part of another entry
        const auto& other = corpus[pick(corpus.size())];
        auto from = pick(other.size() + 1);
        auto len = pick(other.size() - from + 1);
        out.insert(out.begin() + static_cast<long>(pick(out.size() + 1)),
                   other.begin() + static_cast<long>(from),
                   other.begin() + static_cast<long>(from + len));
      }
    }
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  long mutations = 0;
  unsigned long long seed = 1;
  std::vector<bytes> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--mutations" && i + 1 < argc)
      mutations = std::strtol(argv[++i], nullptr, 10);
    else if (arg == "--seed" && i + 1 < argc)
      seed = std::strtoull(argv[++i], nullptr, 10);
    else
      collect(arg, corpus);
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "no corpus given or found\n");
    return 2;
  }
  for (const auto& input : corpus)
    run(input);
  std::mt19937_64 rng{seed};
  for (long i = 0; i < mutations; ++i)
    run(mutate(corpus, rng));
  std::printf("replayed %zu corpus inputs and %ld mutations\n", corpus.size(),
              mutations);
  return 0;
}
