"""Combined operations: live ones under agreements, and Geo-PKO's UN deployments.

- A **live** operation is proposed by a party state of an agreement in force that covers
  ``combined_operations``, against a named threat and/or a shared-threat value (kept as
  text), with a lead state; the other parties join or decline; ``proposed → active →
  concluded | cancelled`` (who may take which step: ``changes.py``). It has tasks or phases
  with dates, linked STIX objects (each reader is shown those it may read, through
  ``intel.service.readable_summaries``) and, once concluded, an after-action summary.
- **Who sees it** (``repository.policy``): the states that are parties of its agreement
  today, the states that answered it, and the node itself; anyone else gets the answer a
  missing id gets, in lists, counts and shows, and for changes.
- The **record** (``importers/geopko.py``): one public operation per UN mission, its
  contributors per year with the troops the UN's maps show (``OperationDeployment``), and
  the question it answers: who served alongside whom, in which mission and year
  (``service.alongside``, ``service.dyad_deployments``).
"""
