"""The file formats the importer reads, by name: the command line lists them without loading
the importer (pandas, openpyxl), so `--help` starts at once."""

FORMATS = ("long", "google-forms", "ms-forms")
FORMAT_NAMES = {
    "long": "long responses CSV",
    "google-forms": "Google Forms export",
    "ms-forms": "Microsoft Forms export",
}
