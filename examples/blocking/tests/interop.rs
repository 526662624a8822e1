// filled in by the interoperability suite
