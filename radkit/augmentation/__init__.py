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
