/*
 * Test stand-in for H5P.QuestionSet (written for the project's tests, not the official code). It behaves like the
 * official library where the server cares:
 * - each question is a child (sub-content) of the set, restored from the set's saved state (previousState.answers,
 *   one entry per question, as the official set saves it);
 * - "attempted" when shown; the finish button (button.ec-finish) sends a top-level "completed" whose score is the
 *   sum of the questions' getScore(), restored answers included, which are never sent again as "answered".
 */
var H5P = H5P || {};

H5P.QuestionSet = function (params, contentId, extras) {
  H5P.EventDispatcher.call(this);
  this.params = params || {};
  this.contentId = contentId;
  var previous = (extras || {}).previousState;
  this.previousAnswers = (previous && Array.isArray(previous.answers)) ? previous.answers : [];
  this.questions = [];
};
H5P.QuestionSet.prototype = Object.create(H5P.EventDispatcher.prototype);
H5P.QuestionSet.prototype.constructor = H5P.QuestionSet;

H5P.QuestionSet.prototype.attach = function ($container) {
  var self = this;
  var contentId = this.contentId;
  $container.get(0).textContent = '';
  this.questions = (this.params.questions || []).map(function (question, index) {
    var holder = H5P.jQuery('<div class="ec-questionset-item"></div>').appendTo($container);
    return H5P.newRunnable(question, contentId, holder, false, {
      parent: self,
      previousState: self.previousAnswers[index]
    });
  });
  var texts = this.params.texts || {};
  var finish = document.createElement('button');
  finish.type = 'button';
  finish.className = 'ec-finish';
  finish.textContent = texts.finishButton || 'Finish';
  finish.addEventListener('click', function () {
    self.finish();
  });
  $container.get(0).appendChild(finish);
  this.setActivityStarted();
};

H5P.QuestionSet.prototype.getScore = function () {
  return this.questions.reduce(function (sum, question) {
    return sum + (question && question.getScore ? question.getScore() : 0);
  }, 0);
};

H5P.QuestionSet.prototype.getMaxScore = function () {
  return this.questions.reduce(function (sum, question) {
    return sum + (question && question.getMaxScore ? question.getMaxScore() : 0);
  }, 0);
};

H5P.QuestionSet.prototype.finish = function () {
  var score = this.getScore();
  var max = this.getMaxScore();
  var pass = typeof this.params.passPercentage === 'number' ? this.params.passPercentage : 50;
  this.triggerXAPIScored(score, max, 'completed', true, max > 0 && 100 * score / max >= pass);
};

H5P.QuestionSet.prototype.getCurrentState = function () {
  return {
    answers: this.questions.map(function (question) {
      return question && question.getCurrentState ? question.getCurrentState() : undefined;
    })
  };
};
