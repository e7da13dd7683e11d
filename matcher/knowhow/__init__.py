"""Know-how matching: coops that want to learn a business meet coops and centres that run it."""
