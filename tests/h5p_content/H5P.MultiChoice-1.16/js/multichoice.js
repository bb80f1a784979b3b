/* Test stand-in for H5P.MultiChoice: renders the option texts only; scoring lives in the real library. */
var H5P = H5P || {};

H5P.MultiChoice = function (params, contentId) {
  H5P.Question.call(this, 'multichoice');
  this.params = params || {};
  this.contentId = contentId;
};
H5P.MultiChoice.prototype = Object.create(H5P.Question.prototype);
H5P.MultiChoice.prototype.constructor = H5P.MultiChoice;

H5P.MultiChoice.prototype.attach = function ($container) {
  var list = document.createElement('ul');
  (this.params.answers || []).forEach(function (answer) {
    var item = document.createElement('li');
    item.innerHTML = answer.text || '';
    list.appendChild(item);
  });
  $container.get(0).appendChild(list);
};
