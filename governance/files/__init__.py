"""Documents as files: Word in and out, the comment matrix as a spreadsheet, Akoma Ntoso. Pure: no database here."""
