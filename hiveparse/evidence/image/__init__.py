"""Disk images (EWF, VHD, VHDX, VMDK, raw) read without mounting them: the registry
evidence of each Windows installation is copied into a private folder with its provenance
(:mod:`.extract`). Needs ``hiveparse[images]``; nothing of it is imported before an image
is met."""
