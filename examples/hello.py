print("Hello from RGrid!")
