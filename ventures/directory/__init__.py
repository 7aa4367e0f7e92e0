"""Company-directory imports: the Open Data 500 (:mod:`.od500`) and Impact Map
(:mod:`.impactmap`) readers, their shared records (:mod:`.records`) and the
import that writes them (:mod:`.importer`). Their commands are ``import_od500``
and ``import_impactmap``."""
