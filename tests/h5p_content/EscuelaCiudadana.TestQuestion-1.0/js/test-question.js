/*
 * EscuelaCiudadana.TestQuestion: a one-answer question written for the project's tests (no third-party code).
 *
 * H5P core finds a library's constructor by walking its machine name from window, so it lives at
 * window.EscuelaCiudadana.TestQuestion (also exposed as H5P.EscuelaCiudadanaTestQuestion).
 * Stable hooks for browser tests: button.ec-option[data-index=N], button.ec-check, .ec-feedback.
 * xAPI: "attempted" when attached, "interacted" on each pick, "answered" on check with result.score and
 * result.response = the picked option's index (as H5P.MultiChoice reports it). No inline handlers, no eval.
 */
var H5P = H5P || {};
var EscuelaCiudadana = window.EscuelaCiudadana = window.EscuelaCiudadana || {};

EscuelaCiudadana.TestQuestion = (function () {
  'use strict';

  var INTERACTION = 'http://adlnet.gov/expapi/activities/cmi.interaction';

  function plainText(html) {
    var element = document.createElement('div');
    element.innerHTML = html;
    return element.textContent;
  }

  function TestQuestion(params, contentId, extras) {
    H5P.EventDispatcher.call(this);
    this.params = params || {};
    this.options = this.params.options || [];
    this.l10n = this.params.l10n || {};
    this.contentId = contentId;
    var previous = (extras || {}).previousState;
    this.answer = (previous && typeof previous.answer === 'number') ? previous.answer : null;
    this.score = null;
  }

  TestQuestion.prototype = Object.create(H5P.EventDispatcher.prototype);
  TestQuestion.prototype.constructor = TestQuestion;

  TestQuestion.prototype.attach = function ($container) {
    var self = this;
    var root = $container.get(0);
    root.classList.add('ec-test-question');
    root.textContent = '';

    // The server sanitised these strings with the library's semantics, as H5P core does.
    var question = document.createElement('div');
    question.className = 'ec-question';
    question.innerHTML = this.params.question || '';
    root.appendChild(question);

    var list = document.createElement('div');
    list.className = 'ec-options';
    this.buttons = this.options.map(function (text, index) {
      var button = document.createElement('button');
      button.type = 'button';
      button.id = 'ec-option-' + index;
      button.className = 'ec-option';
      button.setAttribute('data-index', String(index));
      button.innerHTML = text;
      button.addEventListener('click', function () {
        self.choose(index);
      });
      list.appendChild(button);
      return button;
    });
    root.appendChild(list);

    var check = document.createElement('button');
    check.type = 'button';
    check.id = 'ec-check';
    check.className = 'ec-check';
    check.innerHTML = this.l10n.check || 'Check';
    check.addEventListener('click', function () {
      self.check();
    });
    root.appendChild(check);

    this.feedback = document.createElement('p');
    this.feedback.className = 'ec-feedback';
    this.feedback.setAttribute('role', 'status');
    root.appendChild(this.feedback);

    this.showChoice();
    this.setActivityStarted();
  };

  TestQuestion.prototype.showChoice = function () {
    var answer = this.answer;
    this.buttons.forEach(function (button, index) {
      button.setAttribute('aria-pressed', String(index === answer));
    });
  };

  TestQuestion.prototype.choose = function (index) {
    this.answer = index;
    this.score = null;
    this.feedback.textContent = '';
    this.showChoice();
    this.triggerXAPI('interacted');
  };

  TestQuestion.prototype.check = function () {
    if (this.answer === null) {
      return;
    }
    this.score = (this.answer === this.params.correct) ? 1 : 0;
    var template = this.l10n.result || '@score / @total';
    this.feedback.innerHTML = template.replace('@score', String(this.score)).replace('@total', '1');

    var event = this.createXAPIEventTemplate('answered');
    var definition = event.getVerifiedStatementValue(['object', 'definition']);
    definition.description = {'en-US': plainText(this.params.question || '')};
    definition.type = INTERACTION;
    definition.interactionType = 'choice';
    definition.correctResponsesPattern = [String(this.params.correct)];
    definition.choices = this.options.map(function (text, index) {
      return {id: String(index), description: {'en-US': plainText(text)}};
    });
    event.setScoredResult(this.score, 1, this, true, this.score === 1);
    event.data.statement.result.response = String(this.answer);
    this.trigger(event);
  };

  TestQuestion.prototype.getCurrentState = function () {
    return this.answer === null ? undefined : {answer: this.answer};
  };

  TestQuestion.prototype.getAnswerGiven = function () {
    return this.answer !== null;
  };

  TestQuestion.prototype.getScore = function () {
    /* As H5P.MultiChoice: the score of the answer shown, checked or restored from a saved state. */
    return (this.answer !== null && this.answer === this.params.correct) ? 1 : 0;
  };

  TestQuestion.prototype.getMaxScore = function () {
    return 1;
  };

  TestQuestion.prototype.getTitle = function () {
    return plainText(this.params.question || '');
  };

  TestQuestion.prototype.resetTask = function () {
    this.answer = null;
    this.score = null;
    if (this.feedback) {
      this.feedback.textContent = '';
      this.showChoice();
    }
  };

  return TestQuestion;
})();

H5P.EscuelaCiudadanaTestQuestion = EscuelaCiudadana.TestQuestion;
