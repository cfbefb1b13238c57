"""radkit: machine learning for clinical chest radiology, taught in notebooks.

One module per consideration of Kulkarni, Gawali & Kharat (JMIR Med Inform
2021;9(9):e28776); this package holds the technique code, the notebooks in
``notebooks/`` hold the lessons. :data:`CONSIDERATIONS` maps each
consideration to its notebook and module; a newcomer finds the code for
"class imbalance" as ``notebooks/05_class_imbalance.ipynb``,
``radkit/imbalance``, ``tests/test_imbalance*.py``, ``radkit/checks/nb05_*.py``
and ``solutions/05_class_imbalance.ipynb``. Consideration 12 lives in
:mod:`radkit.fairness`.

Shared layers: :mod:`radkit.config` (``setup``, profiles, seed, device),
:mod:`radkit.seeding`, :mod:`radkit.stats` (estimates with intervals, metrics
by group), :mod:`radkit.train` (``fit``, ``predict``, ``embed``), :mod:`radkit.distributed` (torchrun),
:mod:`radkit.models`, :mod:`radkit.checkpoint`, :mod:`radkit.synth`, :mod:`radkit.public`,
:mod:`radkit.data` (``lesson_data``, real-image loaders), :mod:`radkit.dicom`, :mod:`radkit.plotting`.

Layers. The modules stand on floors; a module imports from its own floor or
below, never above, and no chain of imports (lazy ones inside functions
included) comes back to where it started. ``tests/test_layers.py`` checks every
import against this order, kept in :data:`radkit._layers.FLOORS`; a new module
goes on the lowest floor whose modules it needs. Top floor first:

6. tools (notebook checks, developer tools, the reference recipes and the package facade): checks, devtools,
   recipes, radkit
5. considerations (one package per consideration of the paper; label_process and reader_panels are old paths
   that forward to adjudication for one release): augmentation, federated, annotation, adjudication,
   imbalance, costs, generalization, drift, adversarial, explain, fairness, validation, label_process,
   reader_panels
4. data (a lesson's images, synthetic or real): data
3. shared (models and the training loop, synthetic radiographs, performance measures): _train_checks, models,
   train, checkpoint, synth, metrics, toy
2. foundations (profiles and device, estimates with intervals, torchrun, DICOM, the shipped public tables):
   config, stats, distributed, dicom, public
1. ground (names, seeds, checks and plot helpers that everything may use): _version, _layers, _compat, claims,
   _measured, seeding, _validate, findings, plotting, _cache, _annex_e
"""

from typing import NamedTuple

from radkit._version import __version__
from radkit.config import PROFILES, Profile, device, notebook_seed, profile, seed_everything, setup


class Consideration(NamedTuple):
    """One of the paper's thirteen considerations and where the kit teaches it."""

    title: str
    notebook: str  # notebooks/<notebook>.ipynb, solutions/<notebook>.ipynb
    modules: tuple[str, ...]  # radkit.<module>


#: NN -> consideration, its notebook and radkit module(s). A module that does not exist yet is planned.
CONSIDERATIONS: dict[str, Consideration] = {
    "01": Consideration("insufficient training data", "01_insufficient_data", ("augmentation",)),
    "02": Consideration("decentralized data sets", "02_decentralized_data", ("federated",)),
    "03": Consideration("high cost of annotations", "03_annotation_cost", ("annotation",)),
    "04": Consideration("ambiguous ground truth", "04_ambiguous_ground_truth", ("adjudication",)),
    "05": Consideration("class imbalance", "05_class_imbalance", ("imbalance",)),
    "06": Consideration("asymmetric misclassification costs", "06_asymmetric_costs", ("costs",)),
    "07": Consideration("relevant performance measures", "07_performance_measures", ("metrics",)),
    "08": Consideration("generalization to unseen data sets", "08_generalization", ("generalization",)),
    "09": Consideration("model decay", "09_model_decay", ("drift",)),
    "10": Consideration("adversarial attacks", "10_adversarial_attacks", ("adversarial",)),
    "11": Consideration("explainability", "11_explainability", ("explain",)),
    "12": Consideration("fairness and bias", "12_fairness", ("fairness",)),
    "13": Consideration("clinical validation", "13_clinical_validation", ("validation",)),
}

__all__ = [
    "CONSIDERATIONS",
    "Consideration",
    "PROFILES",
    "Profile",
    "device",
    "notebook_seed",
    "profile",
    "seed_everything",
    "setup",
    "__version__",
]
