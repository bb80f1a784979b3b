// Region first, then comuna. Without this script the comuna list still works: it is grouped by region.
// With it, a region list appears and the comuna list keeps only that region's group. Options are taken
// out of the list (not hidden), because phones show hidden options in their native pickers.
(function () {
  "use strict";
  document.querySelectorAll("[data-comuna-picker]").forEach(function (picker) {
    var filter = picker.querySelector("[data-region-filter]");
    var regionSelect = picker.querySelector("[data-region-select]");
    var comunaSelect = picker.querySelector("select[data-comuna-select]");
    if (!filter || !regionSelect || !comunaSelect) {
      return;
    }
    var groups = Array.prototype.slice.call(comunaSelect.querySelectorAll("optgroup"));

    function show() {
      var region = regionSelect.value;
      var chosen = comunaSelect.value;
      groups.forEach(function (group) {
        if (group.parentNode) {
          group.parentNode.removeChild(group);
        }
      });
      groups.forEach(function (group) {
        if (!region || group.getAttribute("data-region") === region) {
          comunaSelect.appendChild(group);
        }
      });
      comunaSelect.value = chosen && (!region || chosen.slice(0, 2) === region) ? chosen : "";
    }

    if (comunaSelect.value) {
      regionSelect.value = comunaSelect.value.slice(0, 2);
    }
    regionSelect.addEventListener("change", show);
    filter.hidden = false;
    show();
  });
})();
