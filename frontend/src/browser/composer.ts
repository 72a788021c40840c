/** The question box: Enter sends, Shift+Enter adds a line, Escape stops a running answer. */
export class Composer {
  constructor(
    private readonly form: HTMLFormElement,
    private readonly input: HTMLTextAreaElement,
    private readonly sendButton: HTMLButtonElement,
    private readonly stopButton: HTMLButtonElement,
  ) {}

  listen(handlers: { onSubmit(question: string): void; onStop(): void }): void {
    const { form, input, stopButton } = this;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const question = input.value.trim();
      if (question === '' || this.sendButton.disabled) return;
      input.value = '';
      handlers.onSubmit(question);
    });
    input.addEventListener('keydown', (event) => {
      // While an input method is composing, Enter confirms the composition instead.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      } else if (event.key === 'Escape' && !stopButton.hidden) {
        event.preventDefault();
        handlers.onStop();
      }
    });
    stopButton.addEventListener('click', () => handlers.onStop());
  }

  setRunning(running: boolean): void {
    const stopHadFocus = document.activeElement === this.stopButton;
    this.sendButton.disabled = running;
    this.stopButton.hidden = !running;
    this.form.setAttribute('aria-busy', String(running));
    // A hidden button cannot keep focus; hand it back to the question box.
    if (!running && stopHadFocus) this.focus();
  }

  focus(): void {
    this.input.focus();
  }
}
