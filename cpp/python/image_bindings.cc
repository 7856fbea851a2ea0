// hub_v1._core.read_images / transform_images: image transforms done by the engine
// (hub/image_transform.h), from numpy arrays of indices, boxes and flips, with the GIL released.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <utility>
#include <variant>
#include <vector>

#include "bindings.h"
#include "hub/array.h"
#include "hub/errors.h"
#include "hub/image_transform.h"
#include "hub/ragged_array.h"

namespace py = pybind11;

namespace hub::python {
namespace {

using Int64s = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Bools = py::array_t<bool, py::array::c_style | py::array::forcecast>;

// One request per index: its box (top, left, height, width) and whether to mirror it.
std::vector<ImageRequest> Requests(const Int64s& indices, const Doubles& boxes,
                                   const Bools& flips) {
  const auto n = static_cast<std::size_t>(indices.size());
  if (indices.ndim() != 1 || boxes.ndim() != 2 || boxes.shape(1) != 4 ||
      static_cast<std::size_t>(boxes.shape(0)) != n || flips.ndim() != 1 ||
      static_cast<std::size_t>(flips.size()) != n) {
    throw InvalidArgumentError("need N indices, N x 4 boxes (top, left, height, width), N flips");
  }
  std::vector<ImageRequest> requests(n);
  const double* box = boxes.data();
  for (std::size_t k = 0; k < n; ++k, box += 4) {
    requests[k] = {indices.data()[k], {box[0], box[1], box[2], box[3]}, flips.data()[k]};
  }
  return requests;
}

ImageOutput OutputOf(int height, int width, bool float_chw, const std::vector<float>& mean,
                     const std::vector<float>& std, int channels) {
  ImageOutput output{height, width, float_chw};
  if (channels < 1 || channels > static_cast<int>(output.mean.size())) {
    throw InvalidArgumentError("image transforms take images of 1 to 4 channels, not " +
                               std::to_string(channels));
  }
  if (float_chw && (mean.size() != static_cast<std::size_t>(channels) ||
                    std.size() != static_cast<std::size_t>(channels))) {
    throw InvalidArgumentError("mean and std need one value per channel (" +
                               std::to_string(channels) + ")");
  }
  for (std::size_t c = 0; float_chw && c < mean.size(); ++c) {
    output.mean[c] = mean[c];
    output.std[c] = std[c];
  }
  return output;
}

// The output's shape: (N, H, W[, C]) uint8, or (N, C, H, W) float32.
std::vector<py::ssize_t> OutputShape(std::size_t n, const ImageOutput& output, int channels,
                                     bool has_channels) {
  if (output.float_chw) {
    return {static_cast<py::ssize_t>(n), channels, output.height, output.width};
  }
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n), output.height, output.width};
  if (has_channels) shape.push_back(channels);
  return shape;
}

// A new output array, or the caller's `out` if it has exactly the output's dtype and shape
// and is writeable and C-contiguous (anything else would be filled with reinterpreted bytes,
// or past its end).
py::array OutputArray(std::optional<py::array> out, std::size_t n, const ImageOutput& output,
                      int channels, bool has_channels) {
  const std::vector<py::ssize_t> shape = OutputShape(n, output, channels, has_channels);
  const py::dtype dtype = output.float_chw ? py::dtype::of<float>() : py::dtype::of<std::uint8_t>();
  if (!out) {  // recycled pages where a batch of this size was freed (see AllocateForReads)
    std::size_t bytes = output.float_chw ? sizeof(float) : 1;
    for (const py::ssize_t extent : shape) bytes *= static_cast<std::size_t>(extent);
    return ArrayOwning(Buffer::AllocateForReads(bytes), dtype, shape);
  }
  const bool same_shape =
      out->ndim() == static_cast<py::ssize_t>(shape.size()) &&
      std::equal(shape.begin(), shape.end(), out->shape(), out->shape() + out->ndim());
  if (!out->dtype().is(dtype) && !out->dtype().equal(dtype)) {
    throw InvalidArgumentError("out must be a " +
                               std::string(output.float_chw ? "float32" : "uint8") +
                               " array, not " + std::string(py::str(out->dtype())));
  }
  if (!same_shape) {
    std::string wanted = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
      wanted += (i ? ", " : "") + std::to_string(shape[i]);
    }
    throw InvalidArgumentError("out must have shape " + wanted + (shape.size() == 1 ? ",)" : ")") +
                               ", not " + std::string(py::str(py::tuple(out->attr("shape")))));
  }
  if (!(out->flags() & py::array::c_style) || !out->writeable()) {
    throw InvalidArgumentError("out must be a writeable C-contiguous array");
  }
  return *out;
}

std::span<std::byte> Bytes(py::array& out) {
  return {static_cast<std::byte*>(out.mutable_data()), static_cast<std::size_t>(out.nbytes())};
}

// The channels of images of `array`'s shape (N, H, W[, C]), and whether it has that axis.
std::pair<int, bool> ChannelsOf(const Array& array) {
  const auto& shape = array.shape();
  return {shape.size() == 4 ? static_cast<int>(shape[3]) : 1, shape.size() == 4};
}
std::pair<int, bool> ChannelsOf(const RaggedArray& array) {
  const auto& shape = array.spec().sample_shape;
  const bool has_channels = shape.size() == 3 && shape[2].has_value();
  return {has_channels ? static_cast<int>(*shape[2]) : 1, has_channels};
}

py::array ReadImages(
    const std::variant<std::shared_ptr<Array>, std::shared_ptr<RaggedArray>>& array,
    const Int64s& indices, const Doubles& boxes, const Bools& flips, int height, int width,
    bool float_chw, const std::vector<float>& mean, const std::vector<float>& std,
    std::optional<py::array> out) {
  const auto [channels, has_channels] =
      std::visit([](const auto& held) { return ChannelsOf(*held); }, array);
  const ImageOutput output = OutputOf(height, width, float_chw, mean, std, channels);
  const std::vector<ImageRequest> requests = Requests(indices, boxes, flips);
  py::array result = OutputArray(std::move(out), requests.size(), output, channels, has_channels);
  const std::span<std::byte> bytes = Bytes(result);
  {
    py::gil_scoped_release release;
    std::visit([&](const auto& held) { held->ReadImages(requests, output, bytes); }, array);
  }
  return result;
}

py::array TransformPixels(const py::array_t<std::uint8_t, py::array::c_style>& images,
                          const Int64s& indices, const Doubles& boxes, const Bools& flips,
                          int height, int width, bool float_chw, const std::vector<float>& mean,
                          const std::vector<float>& std, std::optional<py::array> out) {
  if (images.ndim() != 3 && images.ndim() != 4) {
    throw InvalidArgumentError("images must be uint8 (N, H, W) or (N, H, W, C)");
  }
  const int channels = images.ndim() == 4 ? static_cast<int>(images.shape(3)) : 1;
  const ImageOutput output = OutputOf(height, width, float_chw, mean, std, channels);
  const std::vector<ImageRequest> requests = Requests(indices, boxes, flips);
  py::array result =
      OutputArray(std::move(out), requests.size(), output, channels, images.ndim() == 4);
  const std::span<std::byte> bytes = Bytes(result);
  const std::span<const std::uint8_t> pixels(images.data(),
                                             static_cast<std::size_t>(images.size()));
  {
    py::gil_scoped_release release;
    TransformImages(pixels, images.shape(0), static_cast<int>(images.shape(1)),
                    static_cast<int>(images.shape(2)), channels, requests, output, bytes);
  }
  return result;
}

}  // namespace

void RegisterImageTransforms(py::module_& module) {
  module.def("read_images", &ReadImages, py::arg("array"), py::arg("indices"), py::arg("boxes"),
             py::arg("flips"), py::arg("height"), py::arg("width"), py::arg("float_chw"),
             py::arg("mean"), py::arg("std"), py::arg("out") = py::none(),
             "Images of a one-image-per-chunk uint8 array or a ragged array of images, cropped, "
             "resized, mirrored and laid out by the engine (jpeg decodes only each box, "
             "scaled).");
  module.def("transform_images", &TransformPixels, py::arg("images"), py::arg("indices"),
             py::arg("boxes"), py::arg("flips"), py::arg("height"), py::arg("width"),
             py::arg("float_chw"), py::arg("mean"), py::arg("std"), py::arg("out") = py::none(),
             "The same transform of decoded uint8 images (N, H, W[, C]).");
}

}  // namespace hub::python
