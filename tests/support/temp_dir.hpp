#pragma once

// A fresh, uniquely named folder under the system temp dir for one test,
// removed with everything in it when the test is done.

#include <cstdint>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace openmfd::test {

class temp_dir {
public:
  explicit temp_dir(std::string_view stem = "openmfd-test") {
    std::random_device rd;
    std::mt19937_64 rng{(std::uint64_t{rd()} << 32) ^ rd()};
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto p = std::filesystem::temp_directory_path()
               / (std::string{stem} + "-" + std::to_string(rng()));
      std::error_code ec;
      if (std::filesystem::create_directory(p, ec)) {
        path_ = std::move(p);
        return;
      }
    }
    throw std::runtime_error("cannot make a temporary directory");
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace openmfd::test
