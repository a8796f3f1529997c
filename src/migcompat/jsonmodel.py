"""placeholder"""
def to_json(model): raise NotImplementedError
def from_json(data): raise NotImplementedError
