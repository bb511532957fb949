"""What the owner and the tax adviser read back: the Z report archive, the cash book and sales exports.

Everything here reads what sales, shifts and cash movements already wrote; nothing here edits them.
"""
