"""ZVT, the protocol between a German cash register (ECR) and a payment terminal (PT).

Layers, each its own module: BCD and variable-length fields (`codec`), BER-TLV containers (`tlv`),
bitmap fields (`bmp`), APDUs (`apdu`), typed terminal messages (`records`), message texts in German and
English (`texts`), the register's commands (`commands`), serial framing with CRC and ACK/NAK (`framing`),
links over TCP or serial (`link`) and the dialog of one command (`client`). No Django here.
"""
