"""Image augmentation run by the engine while it decodes: ``hub_v1.transforms``.

The transforms follow torchvision's (RandomResizedCrop, CenterCrop, Resize,
RandomHorizontalFlip, ToTensor, Normalize) on uint8 image arrays (N, height, width[,
channels]). A :class:`Compose` of them becomes one crop box, one output size and one flip per
image, so the engine decodes only what each crop keeps (libjpeg-turbo's cropped, scaled
decode), resamples it once (Pillow's bilinear filter) and lays it out as uint8 HWC or
normalised float CHW, on its own threads, with the GIL released. Random choices are a pure
function of (seed, epoch, sample). See docs/transforms.md.
"""

from hub_v1.transforms.ops import (
    CenterCrop,
    ImageTransform,
    Normalize,
    RandomHorizontalFlip,
    RandomResizedCrop,
    Resize,
    ToTensor,
)
from hub_v1.transforms.pipeline import Compose

__all__ = [
    "CenterCrop",
    "Compose",
    "ImageTransform",
    "Normalize",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "Resize",
    "ToTensor",
]
