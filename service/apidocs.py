"""The API's human-readable docs page (/api/v1/docs) with Swagger UI served from this host.

APIFlask renders the page; by default it loads Swagger UI from a CDN, which fails offline and
tells a third party about every visitor. The files come instead from the swagger-ui-py
package (Swagger UI 5, which renders the OpenAPI 3.1 document APIFlask writes), under
/api/v1/docs/assets/, and the page's policy allows nothing from elsewhere.
"""

from __future__ import annotations

from flask import Blueprint, Flask, send_from_directory
from swagger_ui.utils import SWAGGER_UI_PY_ROOT

bp = Blueprint("apidocs", __name__)
STATIC = SWAGGER_UI_PY_ROOT / "static"
ASSETS = (
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
)


@bp.get("/api/v1/docs/assets/<any(" + ", ".join(f'"{a}"' for a in ASSETS) + "):filename>")
def asset(filename: str):
    return send_from_directory(STATIC, filename, max_age=86400)


def init_app(app: Flask) -> None:
    # Relative to /api/v1/docs, so they also resolve when the app is mounted under a prefix.
    app.config.update(
        SWAGGER_UI_CSS="docs/assets/swagger-ui.css",
        SWAGGER_UI_BUNDLE_JS="docs/assets/swagger-ui-bundle.js",
        SWAGGER_UI_STANDALONE_PRESET_JS="docs/assets/swagger-ui-standalone-preset.js",
        DOCS_FAVICON="docs/assets/favicon-32x32.png",
        # no badge from validator.swagger.io: the page makes no request to another host
        SWAGGER_UI_CONFIG={"validatorUrl": None, **(app.config.get("SWAGGER_UI_CONFIG") or {})},
    )
    app.register_blueprint(bp)
