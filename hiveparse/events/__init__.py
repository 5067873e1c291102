"""Windows event logs read beside the registry: EVTX files record by record (pyevtx-rs,
imported only when a log is read), the events that bear on RDS licensing and RDP logons
counted and kept (:mod:`.evtx_file`)."""
