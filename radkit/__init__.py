"""radkit: machine learning for clinical chest radiology, taught in notebooks.

One module per consideration of Kulkarni, Gawali & Kharat (JMIR Med Inform
2021;9(9):e28776); this package holds the technique code, the notebooks in
``notebooks/`` hold the lessons.

====  ===================================  ==========================================
 NN   consideration                        module
====  ===================================  ==========================================
 01   insufficient training data           ``radkit.augmentation``
 04   ambiguous ground truth               ``radkit.adjudication``, ``radkit.label_process``
 07   relevant performance measures        ``radkit.metrics``
====  ===================================  ==========================================
"""

from radkit.config import PROFILES, Profile, device, notebook_seed, profile, seed_everything, setup

__version__ = "0.1.0"

__all__ = ["PROFILES", "Profile", "device", "notebook_seed", "profile", "seed_everything", "setup", "__version__"]
