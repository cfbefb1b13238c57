"""Reference recipes: complete programs built from the kit's parts, for practitioners to run and copy.

:mod:`radkit.recipes.train_cxr` trains a DenseNet-121 or ResNet-50 on one
downloaded chest X-ray source and reports per-finding AUCs with DeLong
intervals, on one process or under ``torchrun``::

    python -m radkit.recipes.train_cxr --help
"""
