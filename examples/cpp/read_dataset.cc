// Opens a dataset that Python wrote with hub_v1, by URL (s3://bucket/prefix, gs://bucket/prefix,
// a folder or file://...), and prints what a training loop reads of it: the C++ side of the
// README's quick start, linked through find_package(hub_v1) as hub_v1::cloud.
//
//   read_dataset <store URL> <dataset> [count]
//
// Credentials and endpoints follow hub_v1's rules: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
// else the rest of the AWS chain (a web identity, a profile, an ECS task's or an EC2
// instance's role), or GCS's token chain (a service account, the metadata server);
// AWS_ENDPOINT_URL or STORAGE_EMULATOR_HOST for S3-compatible servers and emulators;
// HUB_AWS_CREDENTIALS names an AWS credentials file instead. Prints the dataset's
// length, one line per component (name, dtype, shape), then for each of the first `count`
// samples (default 3) one line: the sample's index and, per component, the sum of its values.
#include <hub/dataset.h>
#include <hub/errors.h>
#include <hub/store_url.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

// The sum of `bytes`, elements of `dtype`.
double Sum(const std::vector<std::byte>& bytes, hub::DataType dtype) {
  auto total = [&]<typename T>(T) {
    double sum = 0;
    for (std::size_t offset = 0; offset + sizeof(T) <= bytes.size(); offset += sizeof(T)) {
      T value;
      std::memcpy(&value, bytes.data() + offset, sizeof(T));
      sum += static_cast<double>(value);
    }
    return sum;
  };
  switch (dtype) {
    case hub::DataType::kBool:
      return total(bool{});
    case hub::DataType::kInt8:
      return total(std::int8_t{});
    case hub::DataType::kInt16:
      return total(std::int16_t{});
    case hub::DataType::kInt32:
      return total(std::int32_t{});
    case hub::DataType::kInt64:
      return total(std::int64_t{});
    case hub::DataType::kUint8:
      return total(std::uint8_t{});
    case hub::DataType::kUint16:
      return total(std::uint16_t{});
    case hub::DataType::kUint32:
      return total(std::uint32_t{});
    case hub::DataType::kUint64:
      return total(std::uint64_t{});
    case hub::DataType::kFloat32:
      return total(float{});
    case hub::DataType::kFloat64:
      return total(double{});
    case hub::DataType::kFloat16:
      break;
  }
  throw hub::UnsupportedError("this example does not sum float16");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: read_dataset <store URL> <dataset> [count]\n";
    return 2;
  }
  try {
    hub::StoreOptions options;
    if (const char* file = std::getenv("HUB_AWS_CREDENTIALS")) {
      options.aws_credentials_file = file;
    }
    auto store = hub::OpenStore(argv[1], options);
    const auto dataset = hub::Dataset::Open(store, argv[2]);
    const std::int64_t count =
        std::min<std::int64_t>(argc > 3 ? std::stoll(argv[3]) : 3, dataset.length());

    std::cout << "length " << dataset.length() << '\n';
    for (const auto& component : dataset.components()) {
      const auto array = dataset.array(component.name);
      std::cout << "component " << component.name << ' ' << hub::DataTypeName(array->dtype());
      for (const auto extent : array->shape()) std::cout << ' ' << extent;
      std::cout << '\n';
    }
    for (std::int64_t index = 0; index < count; ++index) {
      std::cout << "sample " << index;
      for (const auto& component : dataset.components()) {
        const auto array = dataset.array(component.name);
        const hub::Region region = array->Select({index});  // one sample: one small read
        std::vector<std::byte> bytes(region.num_bytes());
        array->Read(region, bytes);
        std::cout << ' ' << Sum(bytes, array->dtype());
      }
      std::cout << '\n';
    }
  } catch (const hub::Error& error) {
    std::cerr << "read_dataset: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
