"""Papers people sign: PDF letters of a round in Thai, with the network's name, Buddhist-Era
dates, amounts in figures and in Thai words, and signature blocks.

- :mod:`api.papers.thai`: dates, baht in figures and in words (PyThaiNLP), rates.
- :mod:`api.papers.pdf`: the page (fpdf2 with HarfBuzz text shaping and the packaged Sarabun
  font, so tone marks sit where they belong on a machine without Thai fonts).
- :mod:`api.papers.sources`: what a letter says, read from the database.
- :mod:`api.papers.letters`: the five letters: loan proposal (with its schedule), loan
  commitment, sale confirmation, set-off notice per coop, and the round summary for the board.
"""
