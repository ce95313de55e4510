// Starts Swagger UI on /api/docs from the OpenAPI document named by data-spec.
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec"),
    domNode: node,
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
