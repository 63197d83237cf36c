#pragma once
// A Prometheus histogram with fixed buckets (cumulative counts, sum, count), for the metrics page.
#include <cstdint>
#include <string>
#include <vector>

namespace hl2tp::daemon {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds)
      : bounds_(std::move(upper_bounds)), counts_(bounds_.size(), 0) {}
  void observe(double value) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      if (value <= bounds_[i]) ++counts_[i];
    }
    sum_ += value;
    ++count_;
  }
  // The exposition lines of `name` (with its HELP and TYPE).
  std::string text(const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // cumulative: observations <= bound
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace hl2tp::daemon
