// Videos stay inert until the learner asks for them: nothing is fetched from the video host before.
document.querySelectorAll("details.video-loader").forEach(function (details) {
  details.addEventListener("toggle", function () {
    var template = details.querySelector("template");
    if (details.open && template) {
      details.appendChild(template.content.cloneNode(true));
      template.remove();
    }
  });
});
