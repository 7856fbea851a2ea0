// Opens an array that Python wrote with hub_v1 and prints rows of it: the engine embedded in a
// C++ program, linked through find_package(hub_v1).
//
//   read_slice <folder> <array> [start] [stop]
//
// prints the array's shape and dtype, then rows [start, stop) of its first axis (default
// 0 to 2), one line per row, each value as a number.
#include <hub/array.h>
#include <hub/errors.h>
#include <hub/store.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

// Element `index` of `bytes`, an array of `dtype`, as a double for printing.
double ValueAt(const std::vector<std::byte>& bytes, hub::DataType dtype, std::size_t index) {
  auto load = [&]<typename T>(T) {
    T value;
    std::memcpy(&value, bytes.data() + index * sizeof(T), sizeof(T));
    return static_cast<double>(value);
  };
  switch (dtype) {
    case hub::DataType::kBool:
      return load(bool{});
    case hub::DataType::kInt8:
      return load(std::int8_t{});
    case hub::DataType::kInt16:
      return load(std::int16_t{});
    case hub::DataType::kInt32:
      return load(std::int32_t{});
    case hub::DataType::kInt64:
      return load(std::int64_t{});
    case hub::DataType::kUint8:
      return load(std::uint8_t{});
    case hub::DataType::kUint16:
      return load(std::uint16_t{});
    case hub::DataType::kUint32:
      return load(std::uint32_t{});
    case hub::DataType::kUint64:
      return load(std::uint64_t{});
    case hub::DataType::kFloat32:
      return load(float{});
    case hub::DataType::kFloat64:
      return load(double{});
    case hub::DataType::kFloat16:
      break;
  }
  throw hub::UnsupportedError("this example does not print float16");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::cerr << "usage: read_slice <folder> <array> [start] [stop]\n";
    return 2;
  }
  try {
    const std::int64_t start = argc > 3 ? std::stoll(argv[3]) : 0;
    const std::int64_t stop = argc > 4 ? std::stoll(argv[4]) : start + 2;
    auto store = hub::OpenLocalStore(argv[1]);
    auto array = hub::Array::Open(store, argv[2]);

    std::cout << "shape";
    for (const auto extent : array->shape()) std::cout << ' ' << extent;
    std::cout << "\ndtype " << hub::DataTypeName(array->dtype()) << '\n';

    // array[start:stop], planned once, then read in parallel into our buffer.
    const hub::Region rows = array->Select({hub::Slice{start, stop, std::nullopt}});
    std::vector<std::byte> bytes(rows.num_bytes());
    array->Read(rows, bytes);

    const std::size_t count = bytes.size() / hub::ItemSize(array->dtype());
    const std::size_t row_length = rows.shape()[0] > 0 ? count / rows.shape()[0] : 0;
    for (std::size_t i = 0; i < count; ++i) {
      std::cout << ValueAt(bytes, array->dtype(), i) << ((i + 1) % row_length ? ' ' : '\n');
    }
  } catch (const hub::Error& error) {
    std::cerr << "read_slice: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
