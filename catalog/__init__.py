"""The open-data catalog app: sources, datasets, distributions, their pages,
the ``import_catalog`` command, and the importers.

Each format module turns a catalog into normalized ``DatasetRecord``s (or
``Skipped`` entries with a reason); ``importer.import_catalog`` upserts them.
JSON catalogs are streamed one record at a time (``jsonstream``); RDF graphs
are parsed whole by rdflib.

Rules shared by every format (the corpus quirks they answer):

- Identifiers are stripped of surrounding whitespace (ARM's data.json has 86
  identifiers like ``" 10.5439/1150252"``); an entry with no identifier, or with
  no title, is skipped; a second entry with an identifier already seen in the
  same file is skipped as a duplicate.
- Non-public entries are skipped: DCAT-US ``accessLevel: non-public``, DCAT-AP
  ``pod:accessLevel non-public`` or ``dct:accessRights .../NON_PUBLIC``, CKAN
  ``private: true`` or a ``state`` other than ``active``, Socrata views whose
  ``publicationStage`` is not ``published``. They describe data nobody outside
  the publisher can use, so a venture cannot build on them. ``restricted public``
  entries are imported with their access level recorded.
- Descriptions are stored as plain text: entities are unescaped (RDF often
  carries HTML entity-escaped), block tags become line breaks, every tag is
  stripped with nh3, and blank runs are collapsed, keeping paragraphs.
- Dates: year-only ``2013`` becomes 2013-01-01, ``2013-05`` the 1st of the
  month, and ISO or space-separated datetimes keep their date; Socrata's Unix
  timestamps become UTC dates; anything else is stored as no date.
- Keywords given as one comma-separated string are split; keywords and themes
  are stripped and de-duplicated in order.
- A CKAN ``package_list`` response names packages without any metadata: every
  name is reported as skipped and nothing is imported (nor withdrawn).
"""
