#!/usr/bin/python3
"""Renders the published chat templates as Hugging Face's apply_chat_template does.

  /usr/bin/python3 render_chat_templates.py hf_chat_templates.json conversations.json > out.json

transformers compiles a chat template in an ImmutableSandboxedEnvironment with
trim_blocks=True and lstrip_blocks=True and renders it with the messages,
add_generation_prompt and the tokenizer's special tokens; this does the same with
Debian's jinja2 (python3-jinja2), so the C++ renderer is checked against the Jinja
sources themselves. Output: {repo: [rendered text per conversation]}. Exit code 3
when jinja2 is missing (the test then skips and says why).
"""
import json
import sys

try:
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    sys.stderr.write("jinja2 is not installed for /usr/bin/python3 (Debian: python3-jinja2)\n")
    sys.exit(3)


def main():
    templates = json.load(open(sys.argv[1]))["templates"]
    conversations = json.load(open(sys.argv[2]))
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[loopcontrols])
    out = {}
    for repo, spec in templates.items():
        template = env.from_string(spec["chat_template"])
        out[repo] = [template.render(messages=c["messages"],
                                     add_generation_prompt=c["add_generation_prompt"],
                                     eos_token=spec["eos_token"], tools=None)
                     for c in conversations]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
