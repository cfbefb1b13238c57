"""Consideration 01, insufficient training data: augmentation, transfer, GAN-made positives.

- :mod:`~radkit.augmentation.transforms`: batched per-image augmentation of
  radiograph tensors with a chest-safe default policy (:data:`SAFE_CXR`, no
  left-right flip) and the :class:`Augment` hook for ``radkit.train.fit``.
- :mod:`~radkit.augmentation.frechet`: Fréchet distance between two sets of
  images on the embeddings of an in-kit classifier.
- :mod:`~radkit.augmentation.gan`: a small conditional WGAN-GP that learns
  radiographs of a rare finding (``train_gan``, ``GAN.sample``), with a
  memorisation check.
- :mod:`~radkit.augmentation.transfer`: pretrain on a data-rich task, fine-tune
  on the scarce one.
- :mod:`~radkit.augmentation.curves`: learning curves with intervals over seeds.
"""

from radkit.augmentation.frechet import (
    embed,
    frechet_distance,
    frechet_from_features,
    image_frechet,
)
from radkit.augmentation.gan import GAN, memorisation_check, train_gan
from radkit.augmentation.transfer import fine_tune, transfer_model
from radkit.augmentation.transforms import (
    IDENTITY,
    OPERATIONS,
    SAFE_CXR,
    Augment,
    Policy,
    augment_batch,
    make_policy,
)

__all__ = [
    "GAN",
    "IDENTITY",
    "OPERATIONS",
    "SAFE_CXR",
    "Augment",
    "Policy",
    "augment_batch",
    "embed",
    "fine_tune",
    "frechet_distance",
    "frechet_from_features",
    "image_frechet",
    "make_policy",
    "memorisation_check",
    "train_gan",
    "transfer_model",
]
