from services.partners.app import SPEC
from shared.service_app import main

if __name__ == "__main__":
    main(SPEC)
