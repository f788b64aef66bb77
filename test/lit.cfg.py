# -*- Python -*-
# lit configuration of the effattn regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "EFFATTN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.effattn_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%effattn_src_root", config.effattn_src_root))
config.substitutions.append(("%effattn_obj_root", config.effattn_obj_root))
config.substitutions.append(("%llvm_tools_dir", config.llvm_tools_dir))

# Strict FileCheck: a [[VAR]] captured under one CHECK-LABEL is not visible
# under the next.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.effattn_tools_dir, config.llvm_tools_dir]
tools = ["effattn-opt", "effattn-run", ToolSubst("%mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt"))]
llvm_config.add_tool_substitutions(tools, tool_dirs)
